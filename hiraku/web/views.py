from django.http import HttpResponse


def home(request):
    return HttpResponse("Hiraku")


def resource_download(request, dataset, resource_id, filename):
    return HttpResponse("")
