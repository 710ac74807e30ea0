import { z } from 'zod';

export const PartName = z.enum(['docker', 'mutagen', 'git', 'openssh']);
export type PartName = z.infer<typeof PartName>;

export const PartStatus = z.strictObject({
  name: PartName,
  found: z.boolean(),
  version: z.string().max(200).nullable(),
  /** What the user should do when the part is missing or broken. */
  detail: z.string().max(1000),
});
export type PartStatus = z.infer<typeof PartStatus>;

export const About = z.strictObject({
  name: z.string(),
  version: z.string(),
  platform: z.string(),
  arch: z.string(),
  runtime: z.enum(['electron', 'browser']),
  parts: z.array(PartStatus),
});
export type About = z.infer<typeof About>;
