import { describe, expect, it } from 'vitest';
import { grabbable, placeWindow } from './window-bounds.js';

const laptop = { x: 0, y: 25, width: 1440, height: 875 }; // macOS work area below the menu bar
const external = { x: 1440, y: 0, width: 2560, height: 1400 };

describe('placing the remembered window', () => {
  it('opens where it was when that is on a display', () => {
    expect(placeWindow({ x: 100, y: 80, width: 1200, height: 800, maximized: false }, [laptop, external], laptop)).toEqual({ x: 100, y: 80, width: 1200, height: 800, maximized: false });
    expect(placeWindow({ x: 1600, y: 100, width: 1800, height: 1000, maximized: true }, [laptop, external], laptop)).toEqual({ x: 1600, y: 100, width: 1800, height: 1000, maximized: true });
  });

  it('keeps a window that spans two displays while its title bar is reachable', () => {
    expect(placeWindow({ x: 1000, y: 100, width: 1200, height: 700 }, [laptop, external], laptop)).toMatchObject({ x: 1000, y: 100 });
  });

  it('brings a window back from an unplugged display, fitted to the one left', () => {
    const placed = placeWindow({ x: 1800, y: 200, width: 1800, height: 1200, maximized: false }, [laptop], laptop);
    expect(placed).toEqual({ x: 0, y: 25, width: 1440, height: 875, maximized: false });
  });

  it('pulls a window whose title bar went off the top or the edge back on', () => {
    expect(placeWindow({ x: 200, y: -300, width: 1000, height: 700 }, [laptop], laptop)).toEqual({ x: 200, y: 25, width: 1000, height: 700, maximized: false });
    expect(placeWindow({ x: 1400, y: 100, width: 1000, height: 700 }, [laptop], laptop)).toEqual({ x: 440, y: 100, width: 1000, height: 700, maximized: false });
    expect(placeWindow({ x: -5000, y: -5000, width: 900, height: 600 }, [laptop, external], laptop)).toMatchObject({ x: 0, y: 25 });
  });

  it('never goes below the minimum size or above the display', () => {
    expect(placeWindow({ x: 10, y: 30, width: 100, height: 50 }, [laptop], laptop)).toMatchObject({ width: 720, height: 480 });
    expect(placeWindow({ x: 0, y: 25, width: 5000, height: 5000 }, [laptop], laptop)).toMatchObject({ width: 1440, height: 875 });
  });

  it('uses the default size, centered, for nothing or nonsense', () => {
    for (const saved of [undefined, null, 'big', { x: 1, y: 2 }, { x: 0, y: 0, width: -4, height: 10 }, { x: 0, y: 0, width: Number.NaN, height: 10 }]) {
      expect(placeWindow(saved, [laptop], laptop)).toEqual({ width: 1200, height: 800, maximized: false });
    }
    const small = { x: 0, y: 0, width: 1024, height: 600 };
    expect(placeWindow(undefined, [small], small)).toEqual({ width: 1024, height: 600, maximized: false });
  });

  it('treats a sliver of title bar as not grabbable', () => {
    expect(grabbable({ x: 1420, y: 100, width: 800, height: 600 }, [laptop])).toBe(false);
    expect(grabbable({ x: 1300, y: 100, width: 800, height: 600 }, [laptop])).toBe(true);
  });
});
