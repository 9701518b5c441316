/* Resource page: the rows with coordinates on a Leaflet map, clustered.
   Popups are built with DOM nodes and textContent only: cell values are data, never markup. */
(function () {
  "use strict";

  var element = document.getElementById("datastore-map");
  if (!element || !window.L || !window.fetch) { return; }
  var status = document.querySelector("[data-map-status]");
  var labels = JSON.parse(document.getElementById("map-labels").textContent);
  var texts = JSON.parse(document.getElementById("map-texts").textContent);
  var number = new Intl.NumberFormat(document.documentElement.lang || "ja");

  function say(template, values) {
    if (!status) { return; }
    status.textContent = String(template || "").replace(/%\((\w+)\)s/g, function (all, name) {
      return values && values[name] !== undefined ? number.format(values[name]) : all;
    });
  }

  function markerName(feature) {
    var name = feature.properties.name;
    return typeof name === "string" && name ? name : String(texts.marker || "").replace("%(id)s", String(feature.id));
  }

  function rowList(properties) {
    var list = document.createElement("dl");
    Object.keys(labels).forEach(function (key) {
      var value = properties[key];
      if (value === null || value === undefined || value === "") { return; }
      var term = document.createElement("dt");
      term.textContent = labels[key];
      var detail = document.createElement("dd");
      detail.textContent = typeof value === "boolean" ? (value ? texts.yes : texts.no) : String(value);
      list.appendChild(term);
      list.appendChild(detail);
    });
    return list;
  }

  /* The points carry only a name; a popup fetches its row whole when it opens, once. */
  var rows = {};
  function nearPlace() {
    var parts = (element.getAttribute("data-near") || "").split(",").map(Number);
    return parts.length === 2 && parts.every(isFinite) ? parts : null;
  }

  function rowUrl(id) {
    var url = new URL(element.getAttribute("data-geojson-url"), window.location.href);
    url.searchParams.set("id", String(id));
    return url.toString();
  }

  function popupContent(marker, id) {
    var box = document.createElement("div");
    box.className = "map-popup";
    box.setAttribute("aria-live", "polite");
    function show(properties) {
      box.textContent = "";
      box.appendChild(rowList(properties));
      marker.getPopup().update();
    }
    if (rows[id]) {
      box.appendChild(rowList(rows[id]));
      return box;
    }
    box.textContent = texts.loading || "";
    fetch(rowUrl(id), {headers: {"Accept": "application/geo+json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (feature) {
        rows[id] = feature.properties;
        show(feature.properties);
      })
      .catch(function (error) {
        box.textContent = texts.row_failed || "";
        if (window.console) { window.console.error(error); }
      });
    return box;
  }

  element.classList.add("datastore-map--ready");
  var map = window.L.map(element, {scrollWheelZoom: false, maxZoom: 18, minZoom: 2});
  var tileUrl = element.getAttribute("data-tile-url");
  if (tileUrl) {
    window.L.tileLayer(tileUrl, {maxZoom: 18, attribution: element.getAttribute("data-tile-attribution") || ""})
      .addTo(map);
  } else {
    element.classList.add("datastore-map--plain");
  }
  map.setView([35.0, 135.0], 5);

  fetch(element.getAttribute("data-geojson-url"), {headers: {"Accept": "application/geo+json"},
                                                     credentials: "same-origin"})
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (collection) {
      var cluster = window.L.markerClusterGroup({showCoverageOnHover: false});
      collection.features.forEach(function (feature) {
        var point = feature.geometry.coordinates;
        var name = markerName(feature);
        var marker = window.L.marker([point[1], point[0]], {keyboard: true, alt: name, title: name});
        marker.bindPopup(function () { return popupContent(marker, feature.id); }, {maxWidth: 320});
        cluster.addLayer(marker);
      });
      map.addLayer(cluster);
      var place = nearPlace();
      if (place) {
        // The table is sorted by distance from this place: show its neighbourhood, and the place itself.
        var label = document.createElement("span");
        label.textContent = texts.place || "";
        window.L.circleMarker(place, {radius: 9, weight: 3, color: "#b3261e", fillColor: "#ffffff", fillOpacity: 1,
                                      className: "map-near-place"}).bindTooltip(label).addTo(map);
        map.setView(place, 16);
      } else if (collection.features.length) {
        map.fitBounds(cluster.getBounds(), {padding: [24, 24], maxZoom: 16});
      }
      if (!collection.features.length) {
        say(texts.none);
      } else if (collection.truncated) {
        say(texts.truncated, {shown: collection.features.length, count: collection.total});
      } else {
        say(texts.count, {count: collection.total});
      }
      if (place && status) { status.textContent += " " + texts.centred; }
      element.setAttribute("data-markers", String(collection.features.length));
    })
    .catch(function (error) {
      say(texts.failed);
      if (window.console) { window.console.error(error); }
    });
}());
