const paths = {
  plus: 'M8 3v10M3 8h10',
  branch: 'M5 5v6M3.5 3.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0M3.5 12.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0M9.5 4.5a1.5 1.5 0 1 0 3 0a1.5 1.5 0 1 0-3 0M11 6c0 3-6 2.5-6 5',
  clock: 'M8 2.5a5.5 5.5 0 1 0 0 11a5.5 5.5 0 0 0 0-11M8 5v3l2 1.5',
  sync: 'M3 6.5h9l-2.5-2.5M13 9.5H4l2.5 2.5',
  play: 'M5 3.5v9l7-4.5z',
  stop: 'M4.5 4.5h7v7h-7z',
  terminal: 'M3 4l4 4l-4 4M8.5 12h5',
  copy: 'M5.5 5.5h7v7h-7zM3.5 10.5v-7h7',
  code: 'M6 4L2.5 8L6 12M10 4l3.5 4L10 12',
  refresh: 'M13 8a5 5 0 1 1-1.5-3.6M13 2.5v2.5h-2.5',
  folder: 'M2.5 4.5h4l1.5 1.5h5.5v6.5h-11z',
  layers: 'M8 2L14 5.5L8 9L2 5.5zM2 8.5L8 12L14 8.5M2 11.5L8 15L14 11.5',
} as const;

export type IconName = keyof typeof paths;

/** A 16-px line icon; decorative (the control next to it carries the name). */
export function Icon({ name, size = 14 }: { name: IconName; size?: number }) {
  const filled = name === 'play' || name === 'stop';
  return (
    <svg className="icon" width={size} height={size} viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill={filled ? 'currentColor' : 'none'} stroke="currentColor" strokeWidth={1.6} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
