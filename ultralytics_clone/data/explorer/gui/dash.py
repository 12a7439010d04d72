"""Explorer dashboard: build the table, browse images with labels, query by SQL and by similarity.

Run with `yolo explorer data=shapes-det.yaml model=yolo11n.pt` (or `streamlit run` on this file); the data set and
model default to the EXPLORER_DATA / EXPLORER_MODEL environment variables the command sets.
"""

from __future__ import annotations

import os

import streamlit as st

from ultralytics_clone.data.explorer import Explorer

st.set_page_config(page_title="ultralytics_clone Explorer", layout="wide")
st.title("Explorer")

data = st.sidebar.text_input("Data set YAML", os.environ.get("EXPLORER_DATA", "shapes-det.yaml"), key="data")
model = st.sidebar.text_input("Model", os.environ.get("EXPLORER_MODEL", "yolo11n.pt"), key="model")
imgsz = st.sidebar.number_input("Embedding size (imgsz)", 32, 1280, int(os.environ.get("EXPLORER_IMGSZ", 640)), 32)
force = st.sidebar.checkbox("Rebuild the table", value=False)

if st.sidebar.button("Build / load table", key="build") or "explorer" in st.session_state:
    if "explorer" not in st.session_state or force:
        with st.spinner("Embedding images..."):
            exp = Explorer(data=data, model=model, imgsz=int(imgsz))
            exp.create_embeddings_table(force=force)
            st.session_state["explorer"] = exp
    exp = st.session_state["explorer"]
    table = exp.table.to_pandas().drop(columns=["vector"])
    st.subheader(f"Table '{exp.table_name}': {len(table)} images")

    query = st.text_input("SQL (a SELECT, or a clause starting with WHERE)", "", key="sql")
    rows = exp.sql_query(query) if query.strip() else table
    st.dataframe(rows.drop(columns=["vector"], errors="ignore"), key="table")

    idx = st.number_input("Similar to image #", 0, max(len(table) - 1, 0), 0, key="idx")
    limit = st.slider("How many", 1, max(len(table), 1), min(8, len(table)), key="limit")
    if st.button("Find similar", key="find_similar"):
        similar = exp.get_similar(idx=int(idx), limit=int(limit))
        st.session_state["similar_rows"] = similar[["im_file", "labels", "_distance"]]
    if "similar_rows" in st.session_state:
        st.markdown("**Most similar images**")
        st.dataframe(st.session_state["similar_rows"], key="similar_table")
        st.image(exp.plot_similar(idx=int(idx), limit=int(limit))[..., ::-1], caption="nearest first")
else:
    st.info("Pick a data set and a model, then build the embeddings table.")
