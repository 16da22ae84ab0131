/**
 * app_list as labops last read it in the background, for answers at acknowledgement (`/labops app list`).
 * Core does not know an entry's shape (the app catalog, `appcatalog/`, does): a reader parses what it shows.
 */
export interface CatalogCache {
  cached?(): { at: number; apps: Readonly<Record<string, unknown>> } | undefined;
}
