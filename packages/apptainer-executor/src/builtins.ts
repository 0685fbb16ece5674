// Built-in modules used on the config step's path, taken without their ES module wrappers: importing
// `node:fs` or `node:module` as an ES module evaluates every lazy export (streams, source maps), which costs
// a few milliseconds on each of the ~10 starts per job.

export const fs = process.getBuiltinModule('node:fs');
export const os = process.getBuiltinModule('node:os');
