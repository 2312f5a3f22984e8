namespace RecoGrid.Training.Solvers;

/// <summary>
/// The per-row part of an iALS half-step: how much scratch one worker needs and how one row is solved.
/// Implemented by structs so the shared driver is specialized per solver and the call is direct.
/// </summary>
internal unsafe interface IRowSolver
{
    /// <summary>Floats of scratch one worker reuses across its rows.</summary>
    int ScratchLength(int factors);

    /// <summary>
    /// Solves (YᵀY + Σ (c−1)·y·yᵀ + λ·I)·x = Σ c·y for one row with items <paramref name="items"/>;
    /// <paramref name="x"/> holds the row's current vector on entry and the new one on return.
    /// </summary>
    void SolveRow(
        float* y,
        int d,
        float* gram,
        ReadOnlySpan<int> items,
        ReadOnlySpan<float> weights,
        float alpha,
        float lambda,
        float* scratch,
        float* x);
}
