// The input feature's public face: the drop zone, the file pickers and every other way files
// arrive (paste, drop, launch queue, share target).
export { DropZone } from './DropZone';
export { FilePickers, usePickers, type Pickers } from './FilePickers';
export { useIncomingFiles } from './useIncomingFiles';
