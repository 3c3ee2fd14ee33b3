from django.urls import path

from kb.views import agent

app_name = "kb_agent"

urlpatterns = [
    path("", agent.article_list, name="list"),
    path("new/", agent.article_edit, name="new"),
    path("categories/", agent.category_list, name="categories"),
    path("<int:pk>/", agent.article_edit, name="edit"),
    path("suggest/<str:number>/", agent.reply_suggestions, name="reply_suggestions"),
]
