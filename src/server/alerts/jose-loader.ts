import NodeModule from 'node:module';

type Jose = typeof import('jose');

/**
 * jose 6 is ESM-only. Node 20.19+ loads it with require() (production, tsx); jest's module
 * registry cannot, so there it comes from Node's own loader through the main module
 * (the same package either way).
 */
export function loadJose(): Jose {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a static import would be hoisted out of this try
    return require('jose') as Jose;
  } catch {
    // Under jest: a Module instance of Node's own loader (require(esm) since Node 20.19) resolves from here.
    const Loader = NodeModule as unknown as NodeModuleInternals; // the internals are untyped in @types/node
    const loader = new Loader(__filename);
    loader.filename = __filename;
    loader.paths = Loader._nodeModulePaths(__dirname);
    return loader.require('jose') as Jose;
  }
}

/** The internals of node:module the fallback above uses (stable since Node 0.x, untyped in @types/node). */
interface NodeModuleInternals {
  new (id: string): { filename: string; paths: string[]; require(id: string): unknown };
  _nodeModulePaths(dir: string): string[];
}
