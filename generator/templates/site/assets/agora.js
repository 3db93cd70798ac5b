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
