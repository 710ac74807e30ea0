import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import type { TerminalState } from '../../../../shared/contract/methods/terminals.js';
import { useConnection } from '../../connection-context.js';
import { describeError } from '../../errors.js';
import { terminalFont, terminalTheme } from './theme.js';

export type TerminalTabState = TerminalState | 'opening' | 'failed';

interface TerminalViewProps {
  workspaceId: string;
  /** Accessible name of the terminal, e.g. "Terminal in api". */
  label: string;
  active: boolean;
  onState: (state: TerminalTabState) => void;
}

const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);

/**
 * One terminal: xterm.js sized to its box (fit addon), the shell's output written as it
 * arrives and acknowledged once written (the service pauses the shell when the screen falls
 * behind), keyboard input and pastes sent as binary frames, links clickable, find with
 * Ctrl+Shift+F, copy / paste with Ctrl+Shift+C / V (or ⌘C / ⌘V), and the toolbar buttons.
 */
export function TerminalView({ workspaceId, label, active, onState }: TerminalViewProps) {
  const { api, terminals } = useConnection();
  const host = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const searchRef = useRef<SearchAddon | null>(null);
  const findInput = useRef<HTMLInputElement>(null);
  const onStateRef = useRef(onState);
  const [finding, setFinding] = useState(false);
  const [query, setQuery] = useState('');
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    onStateRef.current = onState;
  }, [onState]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const term = new Terminal({
      fontFamily: terminalFont,
      fontSize: 13,
      lineHeight: 1.15,
      theme: terminalTheme,
      cursorBlink: true,
      scrollback: 5000,
      allowProposedApi: false,
      macOptionIsMeta: true,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon());
    term.open(el);
    termRef.current = term;
    searchRef.current = search;
    const refit = () => {
      // A hidden tab has no size: keep its last one until it shows again.
      if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
    };
    refit();

    let disposed = false;
    let terminalId: number | null = null;
    let detach = () => undefined as void;
    const encoder = new TextEncoder();
    const setState = (s: TerminalTabState) => onStateRef.current(s);
    setState('opening');

    const unlisten = api.on('terminal.state', (event) => {
      if (event.terminalId === terminalId && event.state !== 'closed') setState(event.state);
    });
    const opened = { cols: term.cols, rows: term.rows };
    api.invoke('terminals.open', { workspaceId, cols: opened.cols, rows: opened.rows }).then(
      ({ terminalId: id }) => {
        if (disposed) {
          void api.invoke('terminals.close', { terminalId: id }).catch(() => undefined);
          return;
        }
        terminalId = id;
        setState('connecting');
        detach = terminals.attach(id, (bytes) => term.write(bytes, () => terminals.ack(id, bytes.byteLength)));
        if (term.cols !== opened.cols || term.rows !== opened.rows) {
          void api.invoke('terminals.resize', { terminalId: id, cols: term.cols, rows: term.rows }).catch(() => undefined);
        }
      },
      (err: unknown) => {
        if (disposed) return;
        setState('failed');
        term.write(`\x1b[31m${describeError(err).message.replace(/\n/g, '\r\n')}\x1b[0m\r\n`);
      },
    );

    const send = (bytes: Uint8Array) => {
      if (terminalId !== null) terminals.input(terminalId, bytes);
    };
    const dataSub = term.onData((text) => send(encoder.encode(text)));
    // Mouse reports in legacy (non-UTF-8) encoding arrive as binary strings.
    const binarySub = term.onBinary((text) => send(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff)));
    const resizeSub = term.onResize(({ cols, rows }) => {
      if (terminalId !== null) void api.invoke('terminals.resize', { terminalId, cols, rows }).catch(() => undefined);
    });

    const copy = () => {
      const selection = term.getSelection();
      if (selection) void navigator.clipboard.writeText(selection).catch(() => setNote('Copying was refused by the browser; use the context menu.'));
    };
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown') return true;
      const chord = isMac ? event.metaKey : event.ctrlKey && event.shiftKey;
      if (!chord) return true;
      if (event.code === 'KeyC' && term.hasSelection()) {
        copy();
        event.preventDefault();
        return false;
      }
      // Let the browser's own paste happen (Ctrl+Shift+V / ⌘V): xterm takes it from the paste event.
      if (event.code === 'KeyV') return false;
      if (event.code === 'KeyF') {
        event.preventDefault();
        setFinding(true);
        setTimeout(() => findInput.current?.focus(), 0);
        return false;
      }
      return true;
    });

    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(refit);
    });
    observer.observe(el);

    return () => {
      disposed = true;
      cancelAnimationFrame(frame);
      observer.disconnect();
      unlisten();
      detach();
      dataSub.dispose();
      binarySub.dispose();
      resizeSub.dispose();
      if (terminalId !== null) void api.invoke('terminals.close', { terminalId }).catch(() => undefined);
      termRef.current = null;
      searchRef.current = null;
      term.dispose();
    };
  }, [api, terminals, workspaceId]);

  useEffect(() => {
    if (active) termRef.current?.focus();
  }, [active]);

  const find = (event: FormEvent, backwards = false) => {
    event.preventDefault();
    if (!query) return;
    const found = backwards ? searchRef.current?.findPrevious(query) : searchRef.current?.findNext(query);
    setNote(found ? null : `“${query}” not found`);
  };
  const paste = async () => {
    try {
      const text = await navigator.clipboard.readText();
      termRef.current?.paste(text);
      termRef.current?.focus();
    } catch {
      setNote(`Reading the clipboard was refused here: press ${isMac ? '⌘V' : 'Ctrl+Shift+V'} in the terminal instead.`);
    }
  };
  const copySelection = () => {
    const text = termRef.current?.getSelection() ?? '';
    if (!text) return setNote('Select text in the terminal first.');
    void navigator.clipboard.writeText(text).then(
      () => setNote('Copied.'),
      () => setNote('Copying was refused by the browser.'),
    );
  };

  return (
    <div className="terminal-view">
      <div className="terminal-tools">
        {finding ? (
          <form className="terminal-find" role="search" onSubmit={(e) => find(e)}>
            <input
              ref={findInput}
              type="search"
              aria-label={`Find in ${label}`}
              placeholder="Find"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') {
                  setFinding(false);
                  searchRef.current?.clearDecorations();
                  termRef.current?.focus();
                } else if (e.key === 'Enter' && e.shiftKey) find(e, true);
              }}
            />
            <button type="submit" className="small">
              Next
            </button>
            <button type="button" className="small" onClick={(e) => find(e, true)}>
              Previous
            </button>
          </form>
        ) : (
          <button type="button" className="small" aria-label={`Find in ${label}`} onClick={() => setFinding(true)}>
            Find
          </button>
        )}
        <button type="button" className="small" aria-label={`Copy the selection of ${label}`} onClick={copySelection}>
          Copy
        </button>
        <button type="button" className="small" aria-label={`Paste into ${label}`} onClick={() => void paste()}>
          Paste
        </button>
        {note && (
          <span className="terminal-note" role="status">
            {note}
          </span>
        )}
      </div>
      <div className="terminal-host" ref={host} role="group" aria-label={label} />
    </div>
  );
}
