using System.Globalization;
using RecoGrid.Training.Cluster.Contracts;

namespace RecoGrid.Training.Cluster.Blocks;

/// <summary>The names of a job's blocks in the store, in one place.</summary>
public static class BlockNames
{
    /// <summary>Every block of the job.</summary>
    public static string Job(string jobId) => jobId;

    /// <summary>Rows of one block of the data: users × items for users, items × users for items.</summary>
    public static string Rows(string jobId, FactorSide side, int block) => $"{jobId}/rows/{Side(side)}/{N(block)}";

    /// <summary>The factors of one block at one version.</summary>
    public static string Factors(string jobId, FactorSide side, int version, int block) => $"{jobId}/factors/{Side(side)}/{N(version)}/{N(block)}";

    /// <summary>The Gram partial of one block's factors at one version.</summary>
    public static string GramPartial(string jobId, FactorSide side, int version, int block) => $"{jobId}/gram/{Side(side)}/{N(version)}/{N(block)}";

    /// <summary>The Gram matrix of a whole side at one version, summed from the partials in block order.</summary>
    public static string Gram(string jobId, FactorSide side, int version) => $"{jobId}/gram/{Side(side)}/{N(version)}/total";

    /// <summary>Every block of one version of one side (factors and Gram), for clean-up.</summary>
    public static IEnumerable<string> Version(string jobId, FactorSide side, int version) =>
        [$"{jobId}/factors/{Side(side)}/{N(version)}", $"{jobId}/gram/{Side(side)}/{N(version)}"];

    private static string Side(FactorSide side) => side == FactorSide.Users ? "users" : "items";

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
