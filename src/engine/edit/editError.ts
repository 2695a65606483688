// The edit model's error: a change that cannot be made, with a `reason` the VS Code provider maps
// to its file-system errors, and the engine error code (src/engine/errors.ts) that reason is.
import { IsoError, type ErrorLocation, type IsoErrorCode } from '../errors';

export type EditErrorCode = 'exists' | 'not-found' | 'not-a-directory' | 'is-a-directory' | 'not-empty' | 'invalid-name' | 'invalid-argument'
  /** The image cannot record it (a symbolic link or special file without Rock Ridge). */
  | 'unsupported';

/** The engine error code of each reason: a missing entry is NOT_FOUND, what the image cannot record UNSUPPORTED, the rest the caller's INVALID_ARGUMENT. */
export const EDIT_ERROR_CODES: Readonly<Record<EditErrorCode, IsoErrorCode>> = {
  'exists': 'INVALID_ARGUMENT',
  'not-found': 'NOT_FOUND',
  'not-a-directory': 'INVALID_ARGUMENT',
  'is-a-directory': 'INVALID_ARGUMENT',
  'not-empty': 'INVALID_ARGUMENT',
  'invalid-name': 'INVALID_ARGUMENT',
  'invalid-argument': 'INVALID_ARGUMENT',
  'unsupported': 'UNSUPPORTED',
};

/** A change that cannot be made (or a change set that cannot be restored); `reason` says why. */
export class EditError extends IsoError {
  readonly code: IsoErrorCode;
  constructor(readonly reason: EditErrorCode, detail: string, where?: ErrorLocation) {
    super(detail, where);
    this.code = EDIT_ERROR_CODES[reason];
  }

  override withImage(image: string): IsoError {
    if (this.image) return this;
    const e = new EditError(this.reason, this.detail, { image, structure: this.structure, offset: this.offset });
    e.stack = this.stack;
    return e;
  }
}
