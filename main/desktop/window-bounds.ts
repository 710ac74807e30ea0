import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What is remembered between runs (the normal, un-maximized bounds plus the maximized flag). */
export const SavedWindow = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean().default(false),
});
export type SavedWindow = z.infer<typeof SavedWindow>;

export interface Placement {
  /** Absent: let the window system center it. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface PlacementOptions {
  defaultSize: { width: number; height: number };
  minSize: { width: number; height: number };
}

export const WINDOW_DEFAULTS: PlacementOptions = {
  defaultSize: { width: 1200, height: 800 },
  minSize: { width: 720, height: 480 },
};

/** The strip a user grabs to move a window: at least this much of it must be on a screen. */
const TITLE_BAR = 32;
const GRAB_WIDTH = 80;

function intersection(a: Rect, b: Rect): { width: number; height: number } {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return { width: Math.max(0, width), height: Math.max(0, height) };
}

const area = (a: Rect, b: Rect) => {
  const i = intersection(a, b);
  return i.width * i.height;
};

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

function distance(a: Rect, b: Rect): number {
  const dx = a.x + a.width / 2 - (b.x + b.width / 2);
  const dy = a.y + a.height / 2 - (b.y + b.height / 2);
  return Math.hypot(dx, dy);
}

/** True when enough of the title bar is on some display to grab and move the window. */
export function grabbable(bounds: Rect, workAreas: readonly Rect[]): boolean {
  const bar: Rect = { x: bounds.x, y: bounds.y, width: bounds.width, height: TITLE_BAR };
  return workAreas.some((wa) => {
    const i = intersection(bar, wa);
    return i.width >= Math.min(GRAB_WIDTH, bounds.width) && i.height >= TITLE_BAR / 2;
  });
}

/**
 * Where to open the window: the remembered bounds when its title bar is still on a display
 * (monitors get unplugged, resolutions change), otherwise moved fully onto the display it
 * overlaps most (or the nearest one), and never larger than that display's work area. Anything
 * unreadable gives the default size, centered.
 */
export function placeWindow(saved: unknown, workAreas: readonly Rect[], primary: Rect, options: PlacementOptions = WINDOW_DEFAULTS): Placement {
  const parsed = SavedWindow.safeParse(saved);
  const areas = workAreas.length > 0 ? workAreas : [primary];
  if (!parsed.success) {
    return {
      width: clamp(options.defaultSize.width, options.minSize.width, primary.width),
      height: clamp(options.defaultSize.height, options.minSize.height, primary.height),
      maximized: false,
    };
  }
  const w = parsed.data;
  const target = [...areas].sort((a, b) => area(w, b) - area(w, a) || distance(w, a) - distance(w, b))[0] ?? primary;
  const width = clamp(w.width, options.minSize.width, target.width);
  const height = clamp(w.height, options.minSize.height, target.height);
  const sized: Rect = { x: w.x, y: w.y, width, height };
  if (grabbable(sized, areas) && sized.y >= target.y - TITLE_BAR / 2) {
    return { ...sized, maximized: w.maximized };
  }
  return {
    x: clamp(w.x, target.x, target.x + target.width - width),
    y: clamp(w.y, target.y, target.y + target.height - height),
    width,
    height,
    maximized: w.maximized,
  };
}
