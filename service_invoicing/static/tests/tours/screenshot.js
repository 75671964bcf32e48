/**
 * A tour step saving the page as docs/screenshots/<name>.png (the README's pictures) once
 * `trigger` is found, when the tours run with SI_SCREENSHOTS set (tests/tour_common.py sets
 * the cookie and saves the picture, then lets the step go on). Otherwise no step at all: the
 * tours run as fast as without it.
 *
 * @param {string} name the file's name, without .png
 * @param {string} trigger what the picture must show
 */
export function screenshot(name, trigger) {
    if (!document.cookie.split("; ").includes("si_screenshots=1")) {
        return [];
    }
    return [
        {
            content: `Screenshot ${name}`,
            trigger,
            timeout: 60000,
            async run() {
                await settled();
                await new Promise((resolve) => {
                    window.siScreenshotTaken = resolve;
                    console.log(`si_screenshot:${name}`);
                });
            },
        },
    ];
}

/** The page as the user reads it once it stops moving: from its top, nothing loading, the
 * charts drawn (frame by frame, no fixed wait). */
async function settled() {
    for (const content of document.querySelectorAll(".o_action_manager .o_content")) {
        content.scrollTop = 0;
    }
    const charts = () => (window.Chart ? Object.values(window.Chart.instances) : []);
    while (
        document.querySelector(".o_loading_indicator") ||
        charts().some((chart) => window.Chart.animator.running(chart))
    ) {
        await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    await new Promise((resolve) => requestAnimationFrame(resolve));
}
