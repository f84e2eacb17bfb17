// Text-size controls without a page load. The page's head script (text_size.INIT_SCRIPT)
// has already put the reader's size on <html> before the first paint; this marks the chosen
// link for assistive technology and handles clicks. Without JavaScript the same links go
// through /text-size/<size>/, which sets the same cookie and returns to the page, and the
// <noscript> stylesheet /text-size.css applies it.
(function () {
  "use strict";
  var COOKIE = "textsize";
  var SIZES = ["xs", "sm", "md", "lg"];

  function show(size) {
    document.documentElement.setAttribute("data-text-size", size);
    var links = document.querySelectorAll("a[data-text-size]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("data-text-size") === size) {
        links[i].setAttribute("aria-current", "true");
      } else {
        links[i].removeAttribute("aria-current");
      }
    }
  }

  function remembered() {
    var match = document.cookie.match(/(?:^|;\s*)textsize=([a-z]+)/);
    return match && SIZES.indexOf(match[1]) !== -1 ? match[1] : null;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-text-size]");
    if (
      !link ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    var size = link.getAttribute("data-text-size");
    if (SIZES.indexOf(size) === -1) {
      return;
    }
    event.preventDefault();
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + "=" + size + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
    show(size);
  });

  show(remembered() || "md");

  // A page restored from the back/forward cache was rendered before a later choice.
  window.addEventListener("pageshow", function (event) {
    var size = remembered();
    if (event.persisted && size) {
      show(size);
    }
  });
})();
