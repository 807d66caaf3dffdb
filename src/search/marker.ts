/** The attribute that marks a search box ({{ search() }}): for its script, the index (which leaves it out) and the page's policy. */
export const SEARCH_BOX_ATTRIBUTE = 'data-site-search';
