import {ImprintError} from '../../errors.js'
import type {Renderer} from '../types.js'

export const renderReadAlong: Renderer = async () => {
  throw new ImprintError('the readalong edition is not available in this version', {kind: 'edition'})
}
