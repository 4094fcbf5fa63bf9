// Page arithmetic shared by every list. Pages are 1-based; a page past the end is simply empty.
import { ResultsError } from './errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** Keeps offsets far inside every database's integer range (and JavaScript's). */
export const MAX_PAGE = 1_000_000;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export function pageRequest(page: number = 1, pageSize: number = DEFAULT_PAGE_SIZE): PageRequest {
  if (!Number.isInteger(page) || page < 1 || page > MAX_PAGE) throw ResultsError.invalid(`page must be an integer from 1 to ${MAX_PAGE} (got ${page})`);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
    throw ResultsError.invalid(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${pageSize})`);
  }
  return { page, pageSize };
}

export function pageOffset(request: PageRequest): number {
  return (request.page - 1) * request.pageSize;
}
