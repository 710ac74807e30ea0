import type { ITheme } from '@xterm/xterm';

/** The app's dark palette (styles.css) for xterm.js. */
export const terminalTheme: ITheme = {
  background: '#0d1016',
  foreground: '#e6e8ee',
  cursor: '#6aa6ff',
  cursorAccent: '#0d1016',
  selectionBackground: 'rgba(106, 166, 255, 0.35)',
  black: '#1b1f27',
  red: '#ef5a5a',
  green: '#4cc38a',
  yellow: '#e0b341',
  blue: '#6aa6ff',
  magenta: '#c58af9',
  cyan: '#4fc1d9',
  white: '#d5d9e2',
  brightBlack: '#5c6578',
  brightRed: '#ff7b7b',
  brightGreen: '#6fe0a8',
  brightYellow: '#f2cc6b',
  brightBlue: '#8dbbff',
  brightMagenta: '#dcb0ff',
  brightCyan: '#7fdcef',
  brightWhite: '#f5f6f9',
};

export const terminalFont = "ui-monospace, 'SF Mono', 'JetBrains Mono', 'Cascadia Code', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
