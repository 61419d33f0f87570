// Child-process entry: registers tsx so the TypeScript body can be required in this process.
require('tsx/cjs/api').register();
require('./fleet-simulator-process.ts');
