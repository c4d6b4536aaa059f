using Npgsql;

namespace AntiDrugFlow.Workflows.Persistence;

/// <summary>Small helpers so the stores read as plain SQL.</summary>
public static class Sql
{
    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in parameters)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(Parameter(value));
        }

        return command;
    }

    public static NpgsqlParameter Parameter(object? value) => value switch
    {
        NpgsqlParameter parameter => parameter,
        null => new NpgsqlParameter { Value = DBNull.Value },
        Jsonb json => new NpgsqlParameter { Value = (object?)json.Text ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb },
        DateTimeOffset at => new NpgsqlParameter { Value = at.ToUniversalTime() },
        _ => new NpgsqlParameter { Value = value },
    };

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>Marks a parameter's text as jsonb.</summary>
public readonly record struct Jsonb(string? Text);
