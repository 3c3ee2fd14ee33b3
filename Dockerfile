# Production image for Reglament: web (gunicorn), Celery worker and beat share it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    HELPDESK_VAR_DIR=/var/lib/reglament DJANGO_STATIC_ROOT=/app/staticfiles

# Pango for WeasyPrint (the client SLA report as PDF), DejaVu for its Cyrillic.
RUN apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY helpdesk ./helpdesk
COPY tickets ./tickets
COPY sla ./sla
COPY mailgate ./mailgate
COPY reports ./reports
COPY api ./api
RUN pip install .
COPY . .
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=collectstatic-only-build-key python manage.py collectstatic --noinput \
    && useradd --system --home /app reglament \
    && mkdir -p /var/lib/reglament/media && chown -R reglament /var/lib/reglament
USER reglament
EXPOSE 8000
CMD ["gunicorn", "helpdesk.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
