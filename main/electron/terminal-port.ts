import { MessageChannelMain, ipcMain } from 'electron';
import type { IpcMainEvent } from 'electron';
import { IPC_TERMINAL_PORT } from '../../shared/contract/wire.js';
import type { Logger } from '../log/logger.js';
import type { TerminalService } from '../terminals/terminal-service.js';

/**
 * The Electron data path for terminals: the page asks (through the preload) for a MessagePort;
 * the main process answers with one end of a MessageChannelMain whose other end is attached to
 * the terminal service. Frames are the same binary frames browser mode sends over its WebSocket
 * (Uint8Array messages), so output never goes through one contract call per chunk.
 */
export function serveTerminalPorts(options: {
  /** Only our page, in our window's main frame. */
  allowed(event: IpcMainEvent): boolean;
  terminals(): Promise<TerminalService | undefined>;
  log: Logger;
}): void {
  ipcMain.on(IPC_TERMINAL_PORT, (event) => {
    if (!options.allowed(event)) {
      options.log.warn('refused a terminal port request from outside the Nexus window');
      return;
    }
    void options.terminals().then(
      (terminals) => {
        if (!terminals || event.sender.isDestroyed()) return;
        const { port1, port2 } = new MessageChannelMain();
        const link = terminals.connect({ send: (frame) => port1.postMessage(frame) });
        const done = () => {
          // A reload keeps the same web contents: its listener must not outlive this port.
          event.sender.off('destroyed', done);
          link.close();
          port1.close();
        };
        port1.on('message', (message) => {
          const refused = link.receive(bytesOf(message.data));
          if (refused) {
            options.log.warn(`closed the terminal port: ${refused}`);
            done();
          }
        });
        port1.on('close', done);
        // A reload or a closed window (the page's end goes away, or the contents do): its
        // terminals become orphans, closed unless attached again within a minute.
        event.sender.once('destroyed', done);
        port1.start();
        event.sender.postMessage(IPC_TERMINAL_PORT, null, [port2]);
      },
      (err: unknown) => options.log.warn('no terminal port: the services did not start', err),
    );
  });
}

function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(0); // refused by the frame decoder as too short
}
