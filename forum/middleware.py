from django.shortcuts import render


class ReadableMethodNotAllowedMiddleware:
    """Give bare 405 responses (from ``@require_POST`` and friends) the site's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
