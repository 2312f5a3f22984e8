namespace RecoGrid.Training.Solvers;

/// <summary>
/// The iALS objective's constants for one half-step: confidence c = 1 + <see cref="Alpha"/>·weight for observed pairs
/// (preference 1), confidence 1 and preference 0 elsewhere, and an L2 penalty λ_row·|x|².
/// </summary>
/// <param name="Alpha">Confidence slope: how much more an observed pair weighs than an unobserved one, per unit of weight.</param>
/// <param name="Lambda">Base L2 regularization.</param>
/// <param name="RegularizationExponent">
/// ν in λ_row = λ·(nnz_row + 1)^ν (frequency-scaled regularization, after Rendle et al. 2021); 0 gives plain λ.
/// The +1 keeps rows without interactions finite and makes ν = 0 exactly the classic objective.
/// </param>
public readonly record struct IalsSolveParameters(float Alpha, float Lambda, float RegularizationExponent)
{
    /// <summary>The constants iALS trains with unless told otherwise, and that an artifact without them is read with.</summary>
    public static IalsSolveParameters Default { get; } = new(Alpha: 1f, Lambda: 0.1f, RegularizationExponent: 0f);

    /// <summary>The regularization applied to a row with <paramref name="nonZeros"/> interactions.</summary>
    public float RowLambda(int nonZeros) =>
        RegularizationExponent == 0f ? Lambda : Lambda * MathF.Pow(nonZeros + 1, RegularizationExponent);
}
