// Builds everything the app runs: the renderer (vite), the main-process entries and the
// preload (esbuild). Output goes to dist/.
import { build as esbuild } from 'esbuild';
import { build as vite } from 'vite';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // Dependencies stay in node_modules (ssh2 and dockerode carry optional native parts).
  packages: 'external',
};

await Promise.all([
  esbuild({
    ...common,
    entryPoints: { serve: 'main/serve.ts', electron: 'main/electron/main.ts' },
    outdir: 'dist/main',
    format: 'esm',
    external: ['electron'],
  }),
  // A sandboxed preload is a single CommonJS script that may require only 'electron'.
  esbuild({
    ...common,
    packages: undefined,
    entryPoints: ['preload/index.ts'],
    outfile: 'dist/preload/index.cjs',
    format: 'cjs',
    external: ['electron'],
  }),
  vite({ configFile: 'vite.config.ts', logLevel: 'warn' }),
]);
