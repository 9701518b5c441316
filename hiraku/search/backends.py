"""TEMPORARY ORM backend, to be replaced by the FTS5/PostgreSQL backends."""

from django.db.models import Count, Q

from hiraku.catalog.models import Dataset
from hiraku.catalog.permissions import visible_datasets_q

from .service import SearchResult


class OrmBackend:
    def index_datasets(self, ids):
        pass

    def rebuild(self):
        return Dataset.objects.count()

    def search(self, query, user):
        qs = Dataset.objects.filter(visible_datasets_q(user, query.include_private, query.include_drafts))
        for word in query.q.split():
            qs = qs.filter(Q(title__icontains=word) | Q(notes__icontains=word) | Q(tags__name__icontains=word))
        field_map = {"organization": "organization__name", "groups": "groups__name", "tags": "tags__name",
                     "res_format": "resources__format", "license_id": "license_id", "standard_type": "standard_type"}
        for key, values in query.filters.items():
            for v in values:
                qs = qs.filter(**{field_map[key]: v})
        qs = qs.distinct()
        facets = {}
        for f in query.facet_fields:
            rows = (Dataset.objects.filter(pk__in=qs.values("pk")).values(field_map[f])
                    .annotate(n=Count("pk", distinct=True)).order_by("-n"))
            facets[f] = [(r[field_map[f]], r["n"]) for r in rows if r[field_map[f]] and r["n"] >= query.facet_mincount][: query.facet_limit]
        ids = list(qs.order_by("-modified").values_list("pk", flat=True)[query.start: query.start + query.rows])
        return SearchResult(count=qs.count(), dataset_ids=ids, facets=facets)


def get_backend():
    return OrmBackend()
