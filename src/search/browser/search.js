// The search box of {{ search() }}, in the browser. It asks the index that
// `npm run build` writes with Pagefind (<site>/pagefind/), fetched on first
// use, and lists each page found: its title, linked, and an excerpt with the
// match marked. Where there is no index (`npm run dev`, or the app itself),
// the box says that search works in the built site; the page is untouched.
// Served as /static/vendor/search/<version>/search.js: the site's root is
// what comes before static/ in this script's own URL (BASE_PATH included).

const RESULTS_SHOWN = 8;
const DEBOUNCE_MS = 150;
const NO_INDEX = 'Search works in the built site: run npm run build, then npm run preview.';

const here = new URL(import.meta.url);
const root = here.pathname.slice(0, here.pathname.lastIndexOf('static/vendor/search/'));
let loading = null;

/** Pagefind's search API, loaded once. */
function loadPagefind() {
  loading ??= import(new URL(`${root}pagefind/pagefind.js`, here).href).then(async (pagefind) => {
    await pagefind.options({ excerptLength: 20 });
    pagefind.init();
    return pagefind;
  });
  return loading;
}

function setUp(form) {
  const input = form.querySelector('input[type="search"]');
  const status = form.querySelector('[role="status"]');
  const list = form.querySelector('ol');
  const panel = form.querySelector('.site-search-results');
  let asked = 0;

  const show = (message, pages = []) => {
    status.textContent = message;
    list.replaceChildren(
      ...pages.map((result) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = result.url;
        link.textContent = result.meta.title || result.url;
        const excerpt = document.createElement('p');
        // Pagefind's excerpt: the page's text, escaped, with <mark> around the match.
        excerpt.innerHTML = result.excerpt;
        item.append(link, excerpt);
        return item;
      }),
    );
    form.classList.toggle('site-search-open', message !== '');
    panel.setAttribute('aria-busy', 'false');
  };

  const run = async () => {
    const term = input.value.trim();
    const ask = ++asked;
    if (!term) return show('');
    let pagefind;
    try {
      pagefind = await loadPagefind();
    } catch {
      return show(NO_INDEX);
    }
    const found = await pagefind.search(term);
    const pages = await Promise.all(found.results.slice(0, RESULTS_SHOWN).map((result) => result.data()));
    if (ask !== asked) return; // a later term is on its way
    const count = found.results.length;
    show(count === 0 ? `No page matches “${term}”.` : `${count} ${count === 1 ? 'page' : 'pages'} found`, pages);
  };

  let timer;
  input.addEventListener('input', () => {
    // Busy from the first key to the answer of the last.
    panel.setAttribute('aria-busy', 'true');
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  // Enter opens the first page found.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const first = list.querySelector('a');
    if (first) first.click();
    else run();
  });
  form.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    input.value = '';
    show('');
    input.focus();
  });
  // The results close when focus leaves the box, and open again on its return.
  form.addEventListener('focusout', (event) => {
    if (!form.contains(event.relatedTarget)) form.classList.remove('site-search-open');
  });
  input.addEventListener('focus', () => form.classList.toggle('site-search-open', status.textContent !== ''));
}

for (const form of document.querySelectorAll('form[data-site-search]')) setUp(form);
