// Click-to-load video players: nothing is requested from a video host until the reader presses play.
(function () {
  function seconds(link) { return parseInt(link.getAttribute("data-seconds"), 10) || 0; }
  document.addEventListener("click", function (event) {
    var play = event.target.closest(".agora-video__play");
    if (play) {
      var box = play.closest(".agora-video");
      var src = box.getAttribute("data-embed");
      if (!src) return;
      event.preventDefault();
      var frame = document.createElement("iframe");
      frame.src = src + (src.indexOf("?") < 0 ? "?" : "&") + "autoplay=1";
      frame.title = box.getAttribute("data-title") || "Video";
      frame.allow = "autoplay; fullscreen; picture-in-picture";
      frame.setAttribute("allowfullscreen", "");
      box.replaceChildren(frame);
      return;
    }
    var chapter = event.target.closest(".agora-chapters a");
    if (chapter) {
      var video = document.querySelector(".agora-video video");
      if (video) { event.preventDefault(); video.currentTime = seconds(chapter); video.play(); }
    }
  });
})();

// Material looks for a sitemap.xml beside every <link rel="alternate"> so that a link to a language's home can
// lead to the same page in that language (squidfunk/mkdocs-material#6582). Agora's hreflang alternates already
// are the same page in each language, where no sitemap exists: each page view would send seven requests that
// fail (to the production host, even in a local preview). The switcher links straight to the right page, so
// those look-ups are skipped; Material handles the skipped request as aborted. This file runs before
// DOMContentLoaded, when Material sends them.
(function () {
  var skip = {};
  document.querySelectorAll('link[rel="alternate"][hreflang]').forEach(function (link) {
    skip[new URL("sitemap.xml", link.href).href] = true;
  });
  var open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    this.agoraSkip = skip[new URL(String(url), location.href).href] === true;
    return open.apply(this, arguments);
  };
  XMLHttpRequest.prototype.send = function () {
    if (this.agoraSkip) { this.dispatchEvent(new Event("abort")); return; }
    return send.apply(this, arguments);
  };
})();
