// Text-size controls without a page load. Without JavaScript the same links go through
// /text-size/<size>/, which sets the same cookie and returns to the page.
(function () {
  "use strict";
  var COOKIE = "textsize";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-text-size]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    var size = link.getAttribute("data-text-size");
    var secure = location.protocol === "https:" ? "; Secure" : "";
    document.cookie = COOKIE + "=" + size + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
    document.documentElement.setAttribute("data-text-size", size);
    var links = document.querySelectorAll("a[data-text-size]");
    for (var i = 0; i < links.length; i++) {
      if (links[i] === link) {
        links[i].setAttribute("aria-current", "true");
      } else {
        links[i].removeAttribute("aria-current");
      }
    }
  });
})();
