// EmberErrors as gRPC statuses: details "CODE: message", trailing metadata with the code.
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { EmberError, type ErrorCode } from '../../core/errors';
import { ERROR_CODE_METADATA_KEY } from '../../core/protocol/service';

const GRPC_CODE: Partial<Record<ErrorCode, status>> = {
  BAD_OPTIONS: status.INVALID_ARGUMENT,
  BAD_INPUT: status.INVALID_ARGUMENT,
  TOO_LARGE: status.RESOURCE_EXHAUSTED,
  NOT_FOUND: status.NOT_FOUND,
  CAPTURE_BUSY: status.FAILED_PRECONDITION,
  EPERM: status.PERMISSION_DENIED,
  NO_BTF: status.FAILED_PRECONDITION,
  KERNEL_TOO_OLD: status.FAILED_PRECONDITION,
  FILE_CAPS_IGNORED: status.FAILED_PRECONDITION,
  SETUP_MISSING: status.FAILED_PRECONDITION,
  CANCELLED: status.CANCELLED,
};

export function asEmberError(e: unknown): EmberError {
  if (e instanceof EmberError) return e;
  return new EmberError('INTERNAL', e instanceof Error ? e.message : String(e));
}

export function toServiceError(e: unknown): Partial<ServiceError> {
  const err = asEmberError(e);
  const md = new Metadata();
  md.set(ERROR_CODE_METADATA_KEY, err.code);
  return {
    code: GRPC_CODE[err.code] ?? status.UNKNOWN,
    details: `${err.code}: ${err.message}`,
    metadata: md,
    name: 'EmberError',
    message: err.message,
  };
}
