import { z } from 'zod';

/** Every string that crosses the boundary is bounded, so a huge payload is refused by name. */
export const text = (max = 1000) => z.string().max(max, { message: `Too long: at most ${max} characters.` });
export const pathText = () => text(4096).min(1, { message: 'A path is required.' });
export const noParams = z.strictObject({});
