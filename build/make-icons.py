#!/usr/bin/env python3
"""Draws Nexus Desktop's icons with the standard library only (zlib + struct), so they can be
regenerated anywhere: `python3 build/make-icons.py`.

  build/icon.png                     512  app icon (electron-builder: AppImage/deb, dmg, nsis)
  build/app-icons/icon.png           256  window and notification icon (shipped as a resource)
  build/app-icons/tray.png, @2x      32, 64  tray on Linux and Windows (glyph on a colored tile)
  build/app-icons/trayTemplate.png, @2x  16, 32  macOS menu bar (black glyph + alpha; macOS tints it)
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
INDIGO = (79, 70, 229)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
SUB = 4  # 4x4 supersampling for smooth edges


def in_rounded_rect(x, y, r):
    """Unit square with corner radius r."""
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r and 0 <= x <= 1 and 0 <= y <= 1


def in_polygon(x, y, pts):
    inside = False
    j = len(pts) - 1
    for i in range(len(pts)):
        xi, yi = pts[i]
        xj, yj = pts[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def in_glyph(x, y, pad):
    """An "N": two bars and a diagonal, inside [pad, 1 - pad]."""
    s = 1 - 2 * pad
    u, v = (x - pad) / s, (y - pad) / s
    if not (0 <= u <= 1 and 0 <= v <= 1):
        return False
    bar = 0.24
    if u <= bar or u >= 1 - bar:
        return True
    return in_polygon(u, v, [(0, 0), (bar, 0), (1, 1), (1 - bar, 1)])


def render(size, pixel):
    rows = []
    for py in range(size):
        row = bytearray([0])  # filter: none
        for px in range(size):
            acc = [0.0, 0.0, 0.0, 0.0]
            for sy in range(SUB):
                for sx in range(SUB):
                    x = (px + (sx + 0.5) / SUB) / size
                    y = (py + (sy + 0.5) / SUB) / size
                    r, g, b, a = pixel(x, y)
                    acc[0] += r * a
                    acc[1] += g * a
                    acc[2] += b * a
                    acc[3] += a
            n = SUB * SUB
            alpha = acc[3] / n
            if alpha > 0:
                row += bytes([round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(alpha * 255)])
            else:
                row += bytes([0, 0, 0, 0])
        rows.append(bytes(row))
    return rows


def png(path, size, rows):
    def chunk(kind, data):
        c = struct.pack('>I', len(data)) + kind + data
        return c + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b''.join(rows)
    data = b'\x89PNG\r\n\x1a\n'
    data += chunk(b'IHDR', struct.pack('>IIBBBBB', size, size, 8, 6, 0, 0, 0))
    data += chunk(b'IDAT', zlib.compress(raw, 9))
    data += chunk(b'IEND', b'')
    with open(path, 'wb') as f:
        f.write(data)


def tile(x, y):
    """White glyph on an indigo rounded tile."""
    if not in_rounded_rect(x, y, 0.22):
        return (0, 0, 0, 0)
    return (*WHITE, 1) if in_glyph(x, y, 0.25) else (*INDIGO, 1)


def template(x, y):
    """Black glyph on transparent: macOS recolors it for light and dark menu bars."""
    return (*BLACK, 1) if in_glyph(x, y, 0.12) else (0, 0, 0, 0)


def main():
    out = [
        (os.path.join(HERE, 'icon.png'), 512, tile),
        (os.path.join(HERE, 'app-icons', 'icon.png'), 256, tile),
        (os.path.join(HERE, 'app-icons', 'tray.png'), 32, tile),
        (os.path.join(HERE, 'app-icons', 'tray@2x.png'), 64, tile),
        (os.path.join(HERE, 'app-icons', 'trayTemplate.png'), 16, template),
        (os.path.join(HERE, 'app-icons', 'trayTemplate@2x.png'), 32, template),
    ]
    os.makedirs(os.path.join(HERE, 'app-icons'), exist_ok=True)
    for path, size, fn in out:
        png(path, size, render(size, fn))
        print(f'{os.path.relpath(path, HERE)}  {size}x{size}')


if __name__ == '__main__':
    main()
