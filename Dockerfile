FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY . .
RUN pip install . && useradd --create-home crosscase && mkdir -p /app/media /app/tmp && chown crosscase /app/media /app/tmp
RUN DEBUG=0 SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput

USER crosscase
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py clean_storage && gunicorn config.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --threads ${WEB_THREADS:-4} --timeout ${WEB_TIMEOUT:-60} --access-logfile -"]
