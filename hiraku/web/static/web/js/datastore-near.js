/* Resource page: "Use my location" fills the distance form with the browser's position, rounded to
   three decimals (about 100 m) so that no more precise location leaves the phone, and sends it.
   Without this script, or without geolocation, the place is typed and the button stays hidden. */
(function () {
  "use strict";

  var form = document.querySelector("[data-near-form]");
  if (!form || !navigator.geolocation) { return; }
  var button = form.querySelector("[data-locate]");
  var input = form.querySelector("input[name=near]");
  var status = form.querySelector("[data-locate-status]");
  if (!button || !input || !status) { return; }
  button.hidden = false;

  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = status.getAttribute("data-locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      input.value = position.coords.latitude.toFixed(3) + "," + position.coords.longitude.toFixed(3);
      form.submit();
    }, function () {
      button.disabled = false;
      status.textContent = status.getAttribute("data-failed");
      input.focus();
    }, {enableHighAccuracy: false, maximumAge: 600000, timeout: 15000});
  });
})();
