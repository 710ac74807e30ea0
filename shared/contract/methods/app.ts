import { About } from '../../domain/about.js';
import { noParams } from '../fields.js';

export const appMethods = {
  'app.about': { params: noParams, result: About },
} as const;
