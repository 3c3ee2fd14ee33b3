from django.urls import path

from kb.views import portal

app_name = "kb"

urlpatterns = [
    path("", portal.kb_index, name="index"),
    path("suggest/", portal.article_suggestions, name="suggest"),
    path("images/<int:pk>/", portal.article_image, name="image"),
    path("<str:key>/", portal.article_detail, name="article"),
    path("<str:key>/helpful/", portal.article_feedback, name="feedback"),
    path("<str:key>/solved/", portal.article_solved, name="solved"),
]
