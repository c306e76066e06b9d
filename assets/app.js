/* The storefront's script: progressive enhancement only. Every page works
   without it; when it fails (old browser, network error, server error) the
   plain HTML forms and links take over.

   1. Type-ahead on the header's search box (input[data-typeahead]): asks
      /api/v1/products?q=…&per_page=8 as one types (150 ms debounce) and shows
      the products found in a listbox (ARIA 1.2 combobox: arrow keys move,
      Enter opens the product, Escape closes). Enter without a chosen product
      submits the search form as usual.
   2. Cart forms (form[data-cart-form]): posted with fetch (same body, header
      X-Requested-With: fetch); on success the page's <main> is replaced by
      the <main> of the cart page returned, else the form is submitted the
      normal way.

   No dependency, no build step, ES5 syntax; loaded with `defer`. */
(function () {
  "use strict";

  if (!window.fetch || !window.URLSearchParams || !window.FormData || !window.DOMParser ||
      !document.querySelector || !document.addEventListener) {
    return;
  }

  /* A path of this site (never an absolute or protocol-relative URL). */
  function isLocalPath(url) {
    return typeof url === "string" && url.charAt(0) === "/" &&
      url.charAt(1) !== "/" && url.charAt(1) !== "\\";
  }

  /* A live region to announce what changed. */
  var announcer = null;
  function announce(text) {
    if (!text) { return; }
    if (!announcer) {
      announcer = document.createElement("div");
      announcer.className = "visually-hidden";
      announcer.setAttribute("role", "status");
      announcer.setAttribute("aria-live", "polite");
      document.body.appendChild(announcer);
    }
    announcer.textContent = "";
    window.setTimeout(function () { announcer.textContent = text; }, 50);
  }

  /* ---------------------------------------------------------------- */
  /* 1. Type-ahead                                                     */
  /* ---------------------------------------------------------------- */

  function setupTypeahead(input) {
    var form = input.form;
    if (!form || !input.id || input.hasAttribute("data-typeahead-ready")) { return; }
    input.setAttribute("data-typeahead-ready", "");
    var listId = input.id + "-listbox";
    var noneText = input.getAttribute("data-typeahead-none") || "";
    var countText = input.getAttribute("data-typeahead-count") || "{count}";
    var label = document.querySelector("label[for='" + input.id + "']");

    var list = document.createElement("ul");
    list.id = listId;
    list.className = "typeahead-list";
    list.setAttribute("role", "listbox");
    if (label) { list.setAttribute("aria-label", label.textContent); }
    list.hidden = true;
    form.appendChild(list);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var controller = null;
    var items = [];      /* { url, element } */
    var active = -1;
    var shownFor = null; /* the query the list shows */

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      setActive(-1);
    }

    function open() {
      if (!items.length) { return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function setActive(index) {
      if (active >= 0 && items[active]) {
        items[active].element.setAttribute("aria-selected", "false");
      }
      active = index;
      if (active >= 0 && items[active]) {
        var el = items[active].element;
        el.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", el.id);
        if (el.scrollIntoView) { el.scrollIntoView({ block: "nearest" }); }
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function go(url) {
      if (isLocalPath(url)) { window.location.assign(url); }
    }

    function render(products, query) {
      close();
      while (list.firstChild) { list.removeChild(list.firstChild); }
      items = [];
      for (var i = 0; i < products.length; i++) {
        var p = products[i];
        if (!p || typeof p.name !== "string" || !isLocalPath(p.url)) { continue; }
        var li = document.createElement("li");
        li.id = listId + "-" + items.length;
        li.className = "typeahead-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.className = "typeahead-name";
        name.textContent = p.name;
        li.appendChild(name);
        if (p.price && typeof p.price.text === "string") {
          var price = document.createElement("span");
          price.className = "typeahead-price";
          price.textContent = p.price.text;
          li.appendChild(price);
        }
        (function (url) {
          /* Keep the focus in the input while clicking. */
          li.addEventListener("mousedown", function (e) { e.preventDefault(); });
          li.addEventListener("click", function () { go(url); });
        })(p.url);
        list.appendChild(li);
        items.push({ url: p.url, element: li });
      }
      shownFor = query;
      if (items.length) {
        open();
        announce(countText.replace("{count}", String(items.length)));
      } else {
        announce(noneText);
      }
    }

    function search() {
      var query = input.value.replace(/^\s+|\s+$/g, "");
      if (query.length < 2) {
        if (controller) { controller.abort(); controller = null; }
        items = [];
        shownFor = null;
        close();
        return;
      }
      if (query === shownFor) { open(); return; }
      if (controller) { controller.abort(); }
      controller = window.AbortController ? new window.AbortController() : null;
      var url = "/api/v1/products?q=" + encodeURIComponent(query) + "&per_page=8";
      window.fetch(url, {
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        /* Ignore an answer to a query the input no longer shows. */
        if (input.value.replace(/^\s+|\s+$/g, "") !== query) { return; }
        if (!data || !Array.isArray(data.products)) {
          close();
          return;
        }
        render(data.products, query);
      })["catch"](function () { /* aborted or offline: the form still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });

    input.addEventListener("keydown", function (e) {
      var key = e.key;
      if (key === "ArrowDown" || key === "Down") {
        e.preventDefault();
        if (list.hidden) {
          if (items.length && shownFor === input.value.replace(/^\s+|\s+$/g, "")) { open(); setActive(0); } else { search(); }
        } else {
          setActive(active + 1 >= items.length ? 0 : active + 1);
        }
      } else if (key === "ArrowUp" || key === "Up") {
        if (!list.hidden) {
          e.preventDefault();
          setActive(active <= 0 ? items.length - 1 : active - 1);
        }
      } else if (key === "Enter") {
        if (!list.hidden && active >= 0 && items[active]) {
          e.preventDefault();
          go(items[active].url);
        }
      } else if (key === "Escape" || key === "Esc") {
        if (!list.hidden) {
          e.preventDefault();
          close();
        }
      } else if (key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      window.setTimeout(close, 150);
    });

    form.addEventListener("submit", function () {
      window.clearTimeout(timer);
      close();
    });
  }

  /* ---------------------------------------------------------------- */
  /* 2. Cart forms submitted in place                                  */
  /* ---------------------------------------------------------------- */

  function parse(html) {
    try {
      return new window.DOMParser().parseFromString(html, "text/html");
    } catch (e) {
      return null;
    }
  }

  function isHtml(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("text/html") !== -1;
  }

  /* Replaces this page's <main> (and the cart count, and the title) by the
     given document's. Returns false when the document has no <main>. */
  function swap(doc, focusId) {
    var fresh = doc && doc.getElementById("main");
    var current = document.getElementById("main");
    if (!fresh || !current) { return false; }
    while (current.firstChild) { current.removeChild(current.firstChild); }
    while (fresh.firstChild) { current.appendChild(document.adoptNode(fresh.firstChild)); }
    var count = doc.querySelector("[data-cart-count]");
    var counts = document.querySelectorAll("[data-cart-count]");
    if (count) {
      for (var i = 0; i < counts.length; i++) { counts[i].textContent = count.textContent; }
    }
    if (doc.title) { document.title = doc.title; }
    var messages = current.querySelectorAll(".flash");
    var text = [];
    for (var j = 0; j < messages.length; j++) { text.push(messages[j].textContent); }
    announce(text.join(" "));
    var target = focusId ? document.getElementById(focusId) : null;
    if (target) {
      target.focus();
    } else {
      current.focus();
    }
    return true;
  }

  function submitNormally(form) {
    form.removeAttribute("aria-busy");
    form.setAttribute("data-cart-form-fallback", "");
    /* HTMLFormElement.submit does not fire "submit": no loop. */
    window.HTMLFormElement.prototype.submit.call(form);
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form || !form.hasAttribute ||
        !form.hasAttribute("data-cart-form") || form.hasAttribute("data-cart-form-fallback")) {
      return;
    }
    var action = form.getAttribute("action") || "";
    if (!isLocalPath(action) || (form.method || "").toLowerCase() !== "post") { return; }
    e.preventDefault();
    if (form.getAttribute("aria-busy") === "true") { return; }

    var quantity = form.querySelector("input[name='quantity']");
    var focusId = quantity && quantity.id ? quantity.id : null;
    var body = new window.URLSearchParams();
    var data = new window.FormData(form);
    if (data.forEach) {
      data.forEach(function (value, name) {
        if (typeof value === "string") { body.append(name, value); }
      });
    } else {
      submitNormally(form);
      return;
    }
    form.setAttribute("aria-busy", "true");

    window.fetch(action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "follow",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      /* After the redirect, the answer is normally the cart page itself. */
      var samePage = false;
      try {
        samePage = new window.URL(response.url, window.location.href).pathname === window.location.pathname;
      } catch (err) { samePage = false; }
      if (samePage && isHtml(response)) {
        return response.text();
      }
      /* Else reload this page's HTML. */
      return window.fetch(window.location.href, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" }
      }).then(function (page) {
        if (!page.ok || !isHtml(page)) { throw new Error("HTTP " + page.status); }
        return page.text();
      });
    }).then(function (html) {
      form.removeAttribute("aria-busy");
      if (!swap(parse(html), focusId)) {
        window.location.reload();
      }
    })["catch"](function () {
      submitNormally(form);
    });
  });

  /* ---------------------------------------------------------------- */

  function start() {
    try {
      var inputs = document.querySelectorAll("input[data-typeahead]");
      for (var i = 0; i < inputs.length; i++) { setupTypeahead(inputs[i]); }
    } catch (e) {
      /* Leave the plain search form alone. */
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
