// Starts a create and prints every progress event as a JSON line, so a spec can kill this
// process at a chosen moment and check what the next start makes of it.
import { createApp } from '../../main/app/create-app.js';

const [home, repo, name] = process.argv.slice(2);
if (!home || !repo || !name) throw new Error('usage: create-and-die <home> <repo> <name>');
const app = await createApp({ runtime: 'browser', home });
app.hub.on('workspace.progress', (p) => process.stdout.write(`${JSON.stringify(p)}\n`));
await app.router.call('workspaces.create', { repo, name, backend: 'docker' });
process.stdout.write('{"finished":true}\n');
