/** Structured logs: one JSON object per line on stderr. */
export function createLogger(component: string, level: 'info' | 'debug' = 'info') {
  return (message: string, fields: Record<string, unknown> = {}): void => {
    if (level !== 'debug' && fields.level === 'debug') return;
    process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', component, msg: message, ...fields }) + '\n');
  };
}
