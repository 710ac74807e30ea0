export {};
// `npm run bench -- <name>`: runs one benchmark and writes bench/results/<name>.json.
const benches: Record<string, () => Promise<unknown>> = {
  docker: async () => (await import('./docker.js')).bench(),
  sync: async () => (await import('./sync.js')).bench(),
  daytona: async () => (await import('./daytona.js')).bench(),
  terminal: async () => (await import('./terminal.js')).bench(),
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  process.stderr.write(`Usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
await bench();
process.exit(0);
