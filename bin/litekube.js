#!/usr/bin/env node
// The compiled CLI lives in dist/; `npm run build` makes it.
import('../dist/src/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/src/cli')) {
    process.stderr.write('litekube is not built yet: run `npm run build` first\n');
    process.exit(1);
  }
  throw error;
});
