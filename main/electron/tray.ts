import { Menu, Tray, nativeImage } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import type { TrayAction, TrayItem, TrayModel } from '../desktop/tray-menu.js';

function template(items: TrayItem[], onAction: (action: TrayAction) => void): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    switch (item.type) {
      case 'separator':
        return { type: 'separator' };
      case 'label':
        return { label: item.label, enabled: false };
      case 'submenu':
        return { label: item.label, submenu: template(item.items, onAction) };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => onAction(item.action) };
    }
  });
}

/** Draws the tray model from main/desktop/tray-menu.ts; nothing is decided here. */
export class NexusTray {
  private readonly tray: Tray;

  constructor(
    iconPath: string,
    private readonly onAction: (action: TrayAction) => void,
  ) {
    const image = nativeImage.createFromPath(iconPath);
    // `…Template.png` is recolored by macOS for light and dark menu bars.
    if (process.platform === 'darwin') image.setTemplateImage(true);
    this.tray = new Tray(image);
    this.tray.setToolTip('Nexus Desktop');
    // Windows convention: a click on the icon shows the window (the menu is on right-click).
    if (process.platform === 'win32') this.tray.on('click', () => onAction({ kind: 'open-window', workspaceId: null }));
  }

  render(model: TrayModel): void {
    if (this.tray.isDestroyed()) return;
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(Menu.buildFromTemplate(template(model.items, this.onAction)));
  }

  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
