/** The `sniffer` command's one-line summary: shared by the full `podmap` (which must not import sniffer code) and the sniffer image's entry. */
export const SNIFFER_SUMMARY = 'run the node agent: capture DNS responses, scan /proc sessions, report to the mapper'
