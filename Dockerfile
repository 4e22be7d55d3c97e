FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MJ_HOST=0.0.0.0 \
    MJ_PORT=8080 \
    MJ_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY mjcore ./mjcore
COPY bot ./bot
COPY locales ./locales
RUN pip install . \
    && python -c "import bot.telegram.i18n as i; assert i.LOCALES_DIR.joinpath('zh_CN').is_dir()" \
    && useradd --create-home --uid 10001 mjbridge \
    && mkdir -p /data && chown mjbridge:mjbridge /data

USER mjbridge
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4).status == 200 else 1)"
CMD ["mjbridge", "serve"]
