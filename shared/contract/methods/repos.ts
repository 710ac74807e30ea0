import { z } from 'zod';
import { Repo } from '../../domain/workspace.js';
import { noParams, pathText } from '../fields.js';

const byPath = z.strictObject({ path: pathText() });

export const repoMethods = {
  'repos.list': { params: noParams, result: z.array(Repo) },
  'repos.add': { params: byPath, result: Repo },
  'repos.remove': { params: byPath, result: z.strictObject({ removed: z.boolean() }) },
  'repos.branches': {
    params: byPath,
    result: z.strictObject({ branches: z.array(z.string()), current: z.string().nullable() }),
  },
} as const;
