// Signature pad for consent: draw with a finger, stylus or mouse on <canvas data-signature-pad>.
// On submit the drawing is written, as a PNG data URL, into the form's [data-signature-input];
// a value already there (the form shown again after a refusal) is drawn back onto the canvas.
(function () {
  "use strict";
  document.querySelectorAll("canvas[data-signature-pad]").forEach(function (canvas) {
    var form = canvas.closest("form");
    var input = form.querySelector("[data-signature-input]");
    var clear = form.querySelector("[data-signature-clear]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var hasInk = false;

    function resize() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = rect.width * ratio;
      canvas.height = rect.height * ratio;
      context.scale(ratio, ratio);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.strokeStyle = "#111";
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      context.beginPath();
      context.moveTo(p.x, p.y);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      context.lineTo(p.x, p.y);
      context.stroke();
      hasInk = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });
    if (clear) {
      clear.addEventListener("click", function () {
        context.clearRect(0, 0, canvas.width, canvas.height);
        hasInk = false;
        input.value = "";
      });
    }
    form.addEventListener("submit", function () {
      input.value = hasInk ? canvas.toDataURL("image/png") : "";
    });
    resize();
    // A page shown again after a refusal (e.g. a mistyped name) keeps the signature drawn.
    if (input.value.indexOf("data:image/png;base64,") === 0) {
      var image = new Image();
      image.onload = function () {
        var rect = canvas.getBoundingClientRect();
        context.drawImage(image, 0, 0, rect.width, rect.height);
        hasInk = true;
      };
      image.src = input.value;
    }
  });
})();
