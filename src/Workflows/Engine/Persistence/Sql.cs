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
        // Arrays mixing nulls and UTC times cannot be typed by inference.
        DateTime?[] times => new NpgsqlParameter { Value = times, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz },
        DateTime[] times => new NpgsqlParameter { Value = times, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.TimestampTz },
        _ => new NpgsqlParameter { Value = value },
    };

    /// <summary>
    /// A text parameter typed as text when null too: a prepared statement is prepared for its parameters' types, so a
    /// parameter that is sometimes an untyped null would make the connection prepare the statement again.
    /// </summary>
    public static NpgsqlParameter Text(string? value) =>
        new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    /// <summary>A json (not jsonb) parameter: text PostgreSQL checks and keeps as it is.</summary>
    public static NpgsqlParameter Json(string value) =>
        new() { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Json };

    /// <summary>A timestamptz parameter typed when null too (see <see cref="Text"/>).</summary>
    public static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } at ? at.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };

    public static DateTimeOffset? NullableTime(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>Marks a parameter's text as jsonb.</summary>
public readonly record struct Jsonb(string? Text);
