"""The SI's loss-landscape results: Tables S1 and S2, Fig. S3 (a pathway with its
prediction maps), Movie S1 (the maps along that pathway) and Fig. S4 (test loss
against train loss over all minima).

Functions take databases and networks, never build them (see
:mod:`ljatlib.paper.builds`), so the book's profiles decide the sizes.
"""

import io
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np

from .._tables import markdown_table
from ..landscape.graph import barriers_to_global_minimum, ts_barriers
from ._basics import basin_image, plot_basin_map, plot_grid_image

def landscape_tables(databases):
    """Tables S1 and S2 of databases {(H, N_data): Database}.

    Returns {"S1": {(H, N): BarrierTable}, "S2": {(H, N): BarrierTable}}.
    """
    return {"S1": {k: ts_barriers(db) for k, db in databases.items()},
            "S2": {k: barriers_to_global_minimum(db) for k, db in databases.items()}}


def _fmt(v):
    if v is None or not np.isfinite(v):
        return "—"
    return f"{v:.3g}" if abs(v) >= 0.1 else f"{v:.2e}"


def table_markdown(tables, paper, columns, n_data, hidden_layers):
    """A Markdown table laid out like the SI's: rows N_data, for each H the ``columns``
    (attributes of BarrierTable), each cell "ours (paper)"."""
    header = ["$N_{data}$"] + [f"H = {h}: {c.replace('_', ' ')}" for h in hidden_layers for c in columns]
    rows = []
    for n in n_data:
        cells = []
        for h in hidden_layers:
            for c in columns:
                ours = getattr(tables[(h, n)], c) if (h, n) in tables else None
                cells.append(f"{_fmt(ours)} ({_fmt(paper[c].get((h, n)))})")
        rows.append([f"{n:,}", *cells])
    return markdown_table(header, rows)


def _median(values):
    """The median as table text ("—" for none)."""
    return f"{_median_or_nan(values):.3g}" if len(values) else "—"


def trace_table(traces):
    """The search traces [(landscape label, search label, SearchTrace)] as a Markdown
    table: distance between the ends, band RMS force, band maximum above the higher
    end, band maxima, converged searches, median EF distance moved and median distance
    of the EF end from the band."""
    header = ["landscape", "search", "distance", "band RMS force", "band maximum above the higher end",
              "band maxima", "converged", "EF moved (median)", "EF end off the band (median)"]
    rows = [[label, pair, f"{t.distance:.3g}", f"{t.band_rms:.2g}",
             f"{t.band_max_energy - max(t.end_energies):.3g}", len(t.maxima), t.n_converged,
             _median([m.moved for m in t.maxima]), _median([m.off_band for m in t.maxima])]
            for label, pair, t in traces]
    return markdown_table(header, rows)


def spacing_table(spacings, n_weights, new_minima=None):
    """Distances on the landscapes {(H, N_data): LandscapeSpacing} ({(H, N_data): number
    of weights}) as a Markdown table; with ``new_minima`` ({(H, N_data): the two halves'
    new minima per transition state, or None}) a column for them."""
    header = ["H", "$N_{data}$", "transition states (lowest 500)",
              "median distance between a transition state's two minima",
              "median nearest-minimum distance (30 lowest minima)", "median fraction of soft eigenvalues",
              "weights"]
    rows = [[h, f"{n:,}", len(sp.ts_span), _median(sp.ts_span), _median(sp.nearest),
             _median(sp.soft_fraction), n_weights[(h, n)]] for (h, n), sp in sorted(spacings.items())]
    if new_minima is not None:
        header.append("new minima per transition state (first half, second half of the searches)")
        for row, key in zip(rows, sorted(spacings)):
            rates = new_minima.get(key)
            row.append("—" if rates is None else ", ".join("—" if np.isnan(r) else f"{r:.2f}" for r in rates))
    return markdown_table(header, rows)


def audit_cell(audit):
    """A build's push-off audit (the dict of
    :meth:`~ljatlib.landscape.diagnostics.PushOffAudit.as_dict`, or None) as a table
    cell: "far of ends (median distance)", or "not measured".

    >>> audit_cell({"n_checked": 20, "n_ends": 40, "n_far": 3, "median_far": 21.04, "far": 1.0})
    '3 of 40 (median 21)'
    >>> audit_cell(None)
    'not measured'
    """
    if not audit:
        return "not measured"
    text = f"{audit['n_far']} of {audit['n_ends']}"
    return text + (f" (median {audit['median_far']:.3g})" if audit["n_far"] else "")


def census_table(censuses):
    """Quench censuses [(nodes, N_data, QuenchCensus)] as a Markdown table: quenches,
    minima by the database's rule and by distance thresholds d, the widest copy of one
    minimum, the closest distinct minima and the median loss gap."""
    tols = sorted(censuses[0][2].counts, reverse=True) if censuses else []
    header = ["nodes", "$N_{data}$", "quenches", "database's rule", *(f"$d$ = {t:g}" for t in tols),
              "widest copy", "closest distinct minima", "loss gap"]
    rows = [[nodes, f"{n:,}", len(c.energies), c.database_count, *(c.counts[t] for t in tols),
             f"{c.widest_copy:.2g}", f"{c.closest_distinct:.3g}", f"{c.median_gap:.2g}"]
            for nodes, n, c in censuses]
    return markdown_table(header, rows)


# -- Fig. S3 and Movie S1 ------------------------------------------------------------------

def prediction_maps(net, weights, grid):
    """Most probable class of every D3 grid point for each weight vector:
    int array (len(weights), n_points)."""
    return np.array([net.predict(w, grid.inputs) for w in weights])


def plot_profile(ax, pathway, gmin_energy=None, marker_frame=None):
    """Loss against integrated path length s, minima as circles, TS as triangles."""
    ax.plot(pathway.s, pathway.energies, color="k", lw=1)
    ax.plot(pathway.s[pathway.minimum_frames], pathway.energies[pathway.minimum_frames], "o",
            ms=4, color="#1f77b4", label="minimum")
    ax.plot(pathway.s[pathway.ts_frames], pathway.energies[pathway.ts_frames], "^", ms=4,
            color="#d62728", label="transition state")
    if gmin_energy is not None:
        low = np.flatnonzero(np.isclose(pathway.energies[pathway.minimum_frames], gmin_energy,
                                        atol=1e-9, rtol=0))
        for k in low:
            f = pathway.minimum_frames[k]
            ax.plot(pathway.s[f], pathway.energies[f], "*", ms=11, color="#ff7f0e", zorder=3,
                    label="global minimum" if k == low[0] else None)
    if marker_frame is not None:
        ax.axvline(pathway.s[marker_frame], color="#ff7f0e", lw=1)
    ax.set_xlabel("integrated path length $s$")
    ax.set_ylabel("loss $L$")
    return ax


def plot_fig_s3(pathway, maps, grid, gmin_energy=None):
    """Fig. S3: the loss profile with the D3 prediction map of each minimum beneath it,
    in the pathway's order. ``maps``: labels per minimum (n_minima, n_points)."""
    n = len(pathway.minimum_frames)
    fig = plt.figure(figsize=(6.8, 5.2))
    ax = fig.add_axes([0.1, 0.42, 0.88, 0.53])
    plot_profile(ax, pathway, gmin_energy)
    ax.legend(fontsize=9, loc="upper right")
    for k, f in enumerate(pathway.minimum_frames):
        ax.annotate(str(k + 1), (pathway.s[f], pathway.energies[f]), textcoords="offset points",
                    xytext=(0, -13), ha="center", fontsize=9)
    width = 0.88 / n
    for k in range(n):
        sub = fig.add_axes([0.1 + k * width, 0.04, width * 0.95, 0.26])
        plot_grid_image(sub, grid, basin_image(grid, maps[k]))
        sub.set_xticks([])
        sub.set_yticks([])
        sub.set_title(str(k + 1), fontsize=9, pad=2)
    return fig


@dataclass
class MovieS1:
    """Frames of Movie S1: a PNG per frame (loss profile with a marker, and the D3 map)."""

    frame_indices: np.ndarray
    pngs: list

    def save_gif(self, path, ms_per_frame=80):
        """Write the frames as an animated GIF (Pillow, which matplotlib requires)."""
        from PIL import Image
        images = [Image.open(io.BytesIO(p)).convert("P", palette=Image.ADAPTIVE) for p in self.pngs]
        images[0].save(path, save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0)
        return path

    def save_mp4(self, path, ms_per_frame=80):
        """Write the frames as an H.264 MP4 (ffmpeg from the imageio-ffmpeg package),
        padded to even width and height as the codec's pixel format needs."""
        import imageio_ffmpeg
        from PIL import Image
        frames = [np.asarray(Image.open(io.BytesIO(p)).convert("RGB")) for p in self.pngs]
        h, w = max(f.shape[0] for f in frames), max(f.shape[1] for f in frames)
        h, w = h + h % 2, w + w % 2
        writer = imageio_ffmpeg.write_frames(str(path), (w, h), fps=1000.0 / ms_per_frame, codec="libx264",
                                             pix_fmt_out="yuv420p", macro_block_size=1,
                                             output_params=["-movflags", "+faststart"])
        writer.send(None)
        for f in frames:
            canvas = np.full((h, w, 3), 255, np.uint8)
            canvas[:f.shape[0], :f.shape[1]] = f
            writer.send(np.ascontiguousarray(canvas))
        writer.close()
        return path


def movie_s1(pathway, net, grid, frame_indices, gmin_energy=None, dpi=100):
    """Render Movie S1: for each frame index, the loss profile with the current position
    and the D3 prediction map of those weights."""
    maps = prediction_maps(net, pathway.frames[frame_indices], grid)
    pngs = []
    fig, (ax_p, ax_m) = plt.subplots(1, 2, figsize=(6.8, 2.9), gridspec_kw={"width_ratios": [1.5, 1]})
    for f, labels in zip(frame_indices, maps):
        ax_p.clear()
        ax_m.clear()
        plot_profile(ax_p, pathway, gmin_energy, marker_frame=f)
        ax_p.set_title(f"s = {pathway.s[f]:.2f}, L = {pathway.energies[f]:.5f}", fontsize=10)
        plot_basin_map(ax_m, grid, labels)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        pngs.append(buf.getvalue())
    plt.close(fig)
    return MovieS1(np.asarray(frame_indices), pngs)


# -- Fig. S4 ---------------------------------------------------------------------------------

def reduced(values):
    """L_red = (L - L_min) / (L_max - L_min) (SI Fig. S4); zeros if all are equal."""
    v = np.asarray(values, float)
    span = v.max() - v.min()
    return (v - v.min()) / span if span > 0 else np.zeros_like(v)


def fig_s4_curve(train_loss, test_loss, n_bins=100):
    """Reduced train loss split into ``n_bins`` equal intervals; mean reduced test loss
    of the minima in each. Returns (bin centres, means, counts) for non-empty bins."""
    x, y = reduced(train_loss), reduced(test_loss)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, n_bins - 1)
    counts = np.bincount(which, minlength=n_bins)
    sums = np.bincount(which, weights=y, minlength=n_bins)
    keep = counts > 0
    centres = 0.5 * (edges[1:] + edges[:-1])
    return centres[keep], sums[keep] / counts[keep], counts[keep]


def plot_fig_s4(curves):
    """Fig. S4 from {(H, N_data): (train losses, test losses)} of the minima."""
    hidden = sorted({h for h, _ in curves})
    fig, axes = plt.subplots(len(hidden), 1, figsize=(6.8, 3.4 * len(hidden)), squeeze=False,
                             sharex=True)
    for ax, h in zip(axes[:, 0], hidden):
        for (hh, n), (train, test) in sorted(curves.items()):
            if hh != h:
                continue
            x, y, c = fig_s4_curve(train, test)
            ax.plot(x, y, "o-", ms=3, lw=1, label=f"$N_{{data}}$ = {n:,} ({len(train)} minima)")
        ax.set_title(f"H = {h}")
        ax.set_ylabel("mean reduced test loss")
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("reduced train loss")
    fig.tight_layout()
    return fig


def plot_line_profile(profile, gmin_energy=None, title=None):
    """Energy along the straight line between two minima (a
    :class:`~ljatlib.landscape.interpolation.LineProfile`) and the minimum reached by a
    quench from each point, coloured by basin. Returns the figure."""
    fig, ax = plt.subplots(figsize=(6.8, 4.0))
    ax.semilogy(profile.s, profile.line_energy, "k-", lw=1, label="loss on the line")
    ok = profile.basin >= 0
    ax.scatter(profile.s[ok], profile.quench_energy[ok], c=profile.basin[ok], cmap="tab20",
               s=22, zorder=3, label="minimum a quench from that point reaches (colour: which one)")
    if gmin_energy is not None:
        ax.axhline(gmin_energy, color="C3", ls="--", lw=1, label="global minimum of the database")
    ax.set_xlabel("s (fraction of the straight line)")
    ax.set_ylabel("loss")
    ax.set_title(title or f"{profile.n_basins} distinct minima reached from the line")
    ax.legend(fontsize=9, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=1, frameon=False)
    fig.tight_layout()
    return fig


# -- sentences under the diagnostic tables -------------------------------------------------

def trace_summary(traces, reference):
    """One sentence comparing the network search traces (list of SearchTrace) with a
    ``reference`` trace (LJAT3): band RMS force, how far converged transition states
    lie from the band, how far apart the ends were. "" if either has no converged TS."""
    off = [m.off_band for t in traces for m in t.maxima if m.converged]
    ref_off = [m.off_band for m in reference.maxima if m.converged]
    if not (traces and off and ref_off):
        return ""
    many = len(traces) > 1
    return (f"Over {len(traces)} network search{'es' if many else ''}: median band RMS force "
            f"{np.median([t.band_rms for t in traces]):.2g} (LJAT3 {reference.band_rms:.2g}); "
            f"{len(off)} transition state{'s' if len(off) > 1 else ''} converged, at a median distance of "
            f"{np.median(off):.3g} from the band (LJAT3 {np.median(ref_off):.2g}), while the searches' "
            f"ends were a median {np.median([t.distance for t in traces]):.3g} apart.")


def spacing_summary(spacings):
    """Sentences comparing the nearest-minimum distance and transition-state span of
    the deeper networks with one hidden layer on the same data, from
    {(H, N_data): LandscapeSpacing}."""
    out = []
    for (h, n), deep in sorted(spacings.items()):
        one = spacings.get((1, n))
        if h < 2 or one is None:
            continue
        near_one, near_deep = _median_or_nan(one.nearest), _median_or_nan(deep.nearest)
        out.append(f"$N_{{data}}$ = {n:,}: nearest-minimum distance {near_one:.3g} (H = 1) against "
                   f"{near_deep:.3g} (H = {h}), ratio {near_deep / near_one:.2g}; transition-state span "
                   f"{_median_or_nan(one.ts_span):.3g} against {_median_or_nan(deep.ts_span):.3g}.")
    return " ".join(out)


def _median_or_nan(values):
    return float(np.median(values)) if len(values) else float("nan")


def census_verdict(census, wide=None, wide_nodes=None, nodes=None):
    """What the quench censuses {N_data: QuenchCensus} (one hidden layer of ``nodes``
    nodes; ``wide``: a census with ``wide_nodes`` nodes on the largest N_data) say about
    the database's rule for the same minimum, as Markdown sentences ("" if none)."""
    if not census:
        return ""
    merged = [n for n, c in census.items() if c.counts[1e-3] != c.database_count]
    if merged:
        verdict = (f"At $N_{{data}}$ = {', '.join(f'{n:,}' for n in merged)} the strict rule counts more "
                   "minima than the database's (down to $d = 10^{-3}$): there deduplication merges minima "
                   "that a stricter rule tells apart.")
    else:
        verdict = ("With $d$ down to $10^{-3}$ the strict rule counts as many minima as the database's "
                   "at every size here: deduplication merges no minima.")
        closest = min(c.closest_distinct for c in census.values())
        widest = max(c.widest_copy for c in census.values())
        if np.isfinite(closest):
            verdict += (f" Distinct minima lie {closest:.2g} or more apart, copies of one minimum "
                        f"{widest:.1g} or less.")
        if max(census) >= 1000:
            verdict += (" The few minima at large $N_{data}$ belong to these loss functions, so merging "
                        "does not explain the difference from the SI's barriers.")
    if wide is not None:
        n_wide = max(census)
        verdict += (f" With {wide_nodes} nodes on the same {n_wide:,} data, {len(wide.energies)} quenches "
                    f"hold {wide.database_count} distinct minima, with a median loss gap of "
                    f"{wide.median_gap:.2g} between consecutive ones (with {nodes} nodes: "
                    f"{census[n_wide].database_count} minima, gap {census[n_wide].median_gap:.2g}).")
    return verdict


def loss_gap_table(table_s1, paper_s1, n_data):
    """Mean loss difference of connected minima (uphill minus downhill barrier of Table
    S1, H = 1), ours (paper), for each N_data in ``n_data`` that ``table_s1`` has."""
    rows = []
    for n in n_data:
        if (1, n) in table_s1:
            ours = table_s1[(1, n)].uphill - table_s1[(1, n)].downhill
            paper = paper_s1["uphill"].get((1, n), np.nan) - paper_s1["downhill"].get((1, n), np.nan)
            rows.append([f"{n:,}", f"{ours:.2g} ({paper:.2g})"])
    return markdown_table(["$N_{data}$", "mean loss difference of connected minima"], rows)


def fig_s4_verdict(curves, bottom=0.25):
    """One sentence per database of {(H, N_data): (train losses, test losses)}: whether
    the mean reduced test loss rises or falls towards the bottom of the train landscape
    (its lowest bin against the mean of the other bins below ``bottom``), the SI's
    reading of Fig. S4."""
    out = []
    for (h, n), (train, test) in sorted(curves.items()):
        x, y, _ = fig_s4_curve(train, test)
        low = y[x < bottom]
        if len(low) < 2:
            out.append(f"H = {h}, $N_{{data}}$ = {n:,}: too few minima near the bottom to tell.")
            continue
        trend = "rises" if low[0] > low[1:].mean() else "falls"
        out.append(f"H = {h}, $N_{{data}}$ = {n:,}: the test loss {trend} towards the bottom "
                   f"({low[0]:.2f} in the lowest bin against {low[1:].mean():.2f} in the others below "
                   f"{bottom:g}; {len(train)} minima).")
    return " ".join(out)
