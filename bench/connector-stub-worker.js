// Worker entry: registers tsx so the TypeScript worker body can be required in this thread.
require('tsx/cjs/api').register();
require('./connector-stub-worker.ts');
