export { errorMessage, statusCode } from '../client/errors.js';
