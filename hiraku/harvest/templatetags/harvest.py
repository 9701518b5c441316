"""`{% harvested_from dataset %}`: the provenance note on a harvested dataset's page."""

from django import template

from hiraku.harvest.services import harvested_link

register = template.Library()


@register.inclusion_tag("harvest/includes/harvested_from.html")
def harvested_from(dataset):
    return {"link": harvested_link(dataset)}
