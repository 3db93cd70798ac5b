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

// Academy progress, kept in this browser only (localStorage; no cookie, no request): which lessons the reader
// marked done, by course and lesson slug, so the same progress shows in every language. The pages carry every
// label and link already translated and resolved (see pages/_academy.j2); this only picks and shows them.
// Without JavaScript, or without storage, the hidden controls stay hidden and the pages read as before.
(function () {
  var KEY = "agora.academy.v1";

  function load() {
    try {
      var stored = JSON.parse(window.localStorage.getItem(KEY) || "{}");
      return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : {};
    } catch (error) {
      return null;  // storage blocked (privacy settings) or unreadable: show nothing rather than lose a click
    }
  }

  function doneIn(progress, course) {
    var lessons = progress[course];
    return Array.isArray(lessons) ? lessons : [];
  }

  function toggle(course, lesson) {
    var progress = load();
    if (progress === null) return;
    var lessons = doneIn(progress, course).filter(function (slug) { return slug !== lesson; });
    if (lessons.length === doneIn(progress, course).length) lessons.push(lesson);
    lessons.sort();
    if (lessons.length) progress[course] = lessons; else delete progress[course];
    try { window.localStorage.setItem(KEY, JSON.stringify(progress)); } catch (error) { return; }
    show();
  }

  function show() {
    var progress = load();
    if (progress === null) return;
    document.querySelectorAll(".agora-done-toggle button[data-agora-lesson]").forEach(function (button) {
      var done = doneIn(progress, button.getAttribute("data-agora-course"));
      button.setAttribute("aria-pressed", String(done.indexOf(button.getAttribute("data-agora-lesson")) >= 0));
      button.parentElement.hidden = false;
    });
    document.querySelectorAll("ol[data-agora-course]").forEach(function (list) {
      var done = doneIn(progress, list.getAttribute("data-agora-course"));
      list.querySelectorAll(":scope > li[data-agora-lesson]").forEach(function (item) {
        var mark = item.querySelector(":scope > .agora-done-mark");
        var isDone = done.indexOf(item.getAttribute("data-agora-lesson")) >= 0;
        if (isDone && !mark) {
          mark = document.createElement("span");
          mark.className = "agora-done-mark";
          var label = document.createElement("span");
          label.className = "agora-visually-hidden";
          label.textContent = " " + list.getAttribute("data-agora-done");
          mark.appendChild(label);
          item.appendChild(mark);
        } else if (!isDone && mark) {
          mark.remove();
        }
      });
    });
    document.querySelectorAll(".agora-course-progress[data-agora-course]").forEach(function (summary) {
      var done = doneIn(progress, summary.getAttribute("data-agora-course"));
      var links = summary.querySelectorAll("a[data-agora-lesson]");
      var count = 0, next = null;
      links.forEach(function (link) {
        if (done.indexOf(link.getAttribute("data-agora-lesson")) >= 0) count += 1;
        else if (next === null) next = link;
      });
      links.forEach(function (link) {
        link.hidden = link !== next;
        if (link === next) link.textContent = link.getAttribute("data-agora-label");
      });
      summary.querySelector(".agora-course-progress__count").textContent =
        summary.getAttribute("data-agora-count-" + count);
      // A course not started says nothing: the syllabus is the invitation.
      summary.hidden = count === 0;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".agora-done-toggle button[data-agora-lesson]");
    if (button) toggle(button.getAttribute("data-agora-course"), button.getAttribute("data-agora-lesson"));
  });
  // Another tab of the hub changed the progress.
  window.addEventListener("storage", function (event) { if (event.key === KEY) show(); });
  // Material emits document$ for every page it shows, also after instant navigation (when this file is not run
  // again); without Material's bundle, the page is shown once.
  if (window.document$ && typeof window.document$.subscribe === "function") window.document$.subscribe(show);
  else if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
